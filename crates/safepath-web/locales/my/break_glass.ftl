# Machine-assisted translation, not yet reviewed by a native speaker.
nav-break-glass = အရေးပေါ်ဝင်ရောက်ရန်
break-glass-intro = အရေးပေါ်အခြေအနေအတွက်သာ- သင်ပုံမှန်အားဖြင့် ကြည့်ခွင့်မရှိသော မှတ်တမ်းကို ဖတ်ရပါမည်။ သင့်အကြောင်းပြချက်ကို စစ်ဆေးမှုမှတ်တမ်းတွင် တံဆိပ်ခတ်သိမ်းဆည်းပြီး ကိစ္စရပ်၏ ညှိနှိုင်းရေးမှူးများကို ချက်ချင်း အသိပေးပါမည်။
break-glass-reference = ကိစ္စရပ်၏ ရည်ညွှန်းနံပါတ် (ဥပမာ SP-2026-ABCD-EFGH)
break-glass-admins-only = စီမံခန့်ခွဲသူသာ အရေးပေါ်ဝင်ရောက်နိုင်သည်။
break-glass-error-reason_required = အကြောင်းပြချက်ကို အနည်းဆုံး စာလုံး 15 လုံးဖြင့် ရေးပါ (ထိုသူ၏ အမည်မပါဘဲ)။
break-glass-error-reference_required = ကိစ္စရပ်၏ ရည်ညွှန်းနံပါတ်ကို ရေးပါ။
break-glass-error-reference_unknown = ဤရည်ညွှန်းနံပါတ်ဖြင့် ကိစ္စရပ် မရှိပါ။ သင့်အား ပေးခဲ့သူနှင့် ပြန်စစ်ဆေးပါ။
