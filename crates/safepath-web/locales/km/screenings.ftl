# Machine-assisted translation, not yet reviewed by a native speaker.
nav-screenings = ការពិនិត្យបឋមរបស់ខ្ញុំ
screenings-title = ការពិនិត្យបឋមរបស់ខ្ញុំ
screenings-title-org = ការពិនិត្យបឋមរបស់អង្គការខ្ញុំ
screenings-intro = ការពិនិត្យបឋមដែលអ្នកបានធ្វើ ថ្មីបំផុតមុន។ បើកមួយដើម្បីមើលលទ្ធផល និងជំហានបន្ទាប់។
screenings-intro-org = ការពិនិត្យបឋមទាំងអស់របស់អង្គការអ្នក ថ្មីបំផុតមុន។ បើកមួយដើម្បីមើលលទ្ធផល និងជំហានបន្ទាប់។
screenings-none = មិនទាន់មានការពិនិត្យបឋមនៅឡើយទេ។
screenings-new = ចាប់ផ្តើមការពិនិត្យបឋម
screenings-adult = មនុស្សពេញវ័យ
screenings-child = កុមារ
screenings-referred = បានបញ្ជូនទៅជាករណី
screenings-not-referred = មិនបានបញ្ជូន
screenings-open-case = បានបញ្ជូន៖ បើកករណី
screenings-by-colleague = ដោយសហការី
screenings-cut = បង្ហាញតែការពិនិត្យបឋមថ្មីបំផុត { $count } ប៉ុណ្ណោះ។
case-screening = បញ្ជូនមកពីការត្រួតពិនិត្យ
case-screening-open = បើកការត្រួតពិនិត្យ
